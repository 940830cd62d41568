/** What `uploadFile` accepts, as bytes and a name, and the content type a file name suggests. */

import { ConfigurationError } from "./errors.js";

const TYPES: Record<string, string> = {
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp",
  svg: "image/svg+xml", pdf: "application/pdf", txt: "text/plain", md: "text/markdown", csv: "text/csv",
  json: "application/json", html: "text/html", mp4: "video/mp4", webm: "video/webm", mp3: "audio/mpeg",
  wav: "audio/wav", zip: "application/zip",
};

export function guessType(fileName: string): string {
  return TYPES[fileName.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";
}

export async function fileBytes(data: Uint8Array | ArrayBuffer | Blob | string, fileName?: string):
  Promise<{ bytes: Uint8Array; fileName: string }> {
  if (typeof data === "string") {  // a path (Node.js)
    const { readFile } = await import("node:fs/promises");
    try {
      return { bytes: new Uint8Array(await readFile(data)), fileName: fileName || data.split(/[\\/]/).pop() || data };
    } catch (error) {
      throw new ConfigurationError(`cannot read the file '${data}': ${(error as Error).message}`,
        { code: "unreadable_file" });
    }
  }
  const name = fileName || (data instanceof Blob && "name" in data ? String((data as { name: unknown }).name) : "");
  if (!name) throw new TypeError("pass fileName with bytes or a Blob");
  const bytes = data instanceof Blob ? new Uint8Array(await data.arrayBuffer())
    : data instanceof Uint8Array ? data : new Uint8Array(data);
  return { bytes, fileName: name };
}
