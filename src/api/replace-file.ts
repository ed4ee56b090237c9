/** Replacing a file's content atomically, keeping its mode (`loom fmt --write`). */
export { replaceFileAtomically } from "../formats/files/replace-file.ts";
