import { SingleBar, Presets } from "cli-progress";
import type { LoadProgress } from "../api/device.ts";
import type { Io } from "./io.ts";

/**
 * A progress bar (cli-progress) for long loading work, one bar per phase, on stderr; nothing at
 * all when stderr is not a terminal, so logs and pipes stay clean.
 */
export function loadProgressBar(io: Io): { progress?: LoadProgress; stop: () => void } {
  if (!io.isTty || !process.stderr.isTTY) return { stop: () => {} };
  let bar: SingleBar | undefined;
  let phase = "";
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  const progress: LoadProgress = (name, done, total) => {
    if (name !== phase) {
      stop();
      phase = name;
      bar = new SingleBar(
        {
          format: `${name.padEnd(16)} [{bar}] {value}/{total}`,
          stream: process.stderr,
          clearOnComplete: false,
          hideCursor: true,
        },
        Presets.shades_classic,
      );
      bar.start(total, 0);
    }
    bar?.update(done);
    if (done === total) stop();
  };
  return { progress, stop };
}
