// ESM: import reaches the package's "import" build.
import * as sdk from "@a2g/sdk";

import flow from "./flow.cjs";

await flow(sdk);
