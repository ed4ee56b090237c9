/** Bundles: writing, reading and validating them, and the device profiles their kernels fit. */
import { readBundle as readDirectory } from "../formats/bundle/directory.ts";
import type { ReadBundleResult } from "../formats/bundle/read.ts";
import { withSourceCheck } from "./bundle-source.ts";
export { encodeBundle, type BundleContent, type EncodedBundle } from "../compiler/bundle/encode.ts";
export { writeBundle, type WriteBundleResult } from "../compiler/bundle/write.ts";
export {
  MANIFEST_FILE,
  WEIGHTS_FILE,
  type BundleKernel,
  type BundleManifest,
} from "../contracts/bundle/manifest.ts";
export { COMPILER_VERSION, FORMAT_VERSION } from "../contracts/bundle/version.ts";
export {
  BUILTIN_PROFILES,
  DEFAULT_PROFILE,
  profileTarget,
} from "../contracts/device-profile/builtins.ts";
export {
  checkPlanAgainstProfile,
  groupDigits,
  irSpans,
} from "../contracts/device-profile/check.ts";
export { describeIssue } from "../contracts/device-profile/json-issues.ts";
export { loadDeviceProfile } from "../contracts/device-profile/load.ts";
export { bindingCounts, bufferBytes } from "../contracts/device-profile/requirements.ts";
export { LIMIT_NAMES, type DeviceProfile } from "../contracts/device-profile/schema.ts";
export { KernelPlan } from "../contracts/plan/schema.ts";
export { sourceAgrees, withSourceCheck } from "./bundle-source.ts";

/**
 * Reads and checks the bundle directory `dir` (formats/bundle/directory.ts), then its spec text
 * against its IR (W0625). Never throws.
 */
export function readBundle(dir: string): ReadBundleResult {
  return withSourceCheck(readDirectory(dir));
}
export { decodeBundle, type BundleSource, type ReadBundleResult } from "../formats/bundle/read.ts";
