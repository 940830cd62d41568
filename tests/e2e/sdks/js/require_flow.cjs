// CommonJS: require() must reach the package's "require" build (ERR_PACKAGE_PATH_NOT_EXPORTED before).
const sdk = require("@a2g/sdk");
const flow = require("./flow.cjs");

flow(sdk).catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
