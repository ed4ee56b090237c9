import type { KernelPlan } from "../../contracts/plan/schema.ts";

type PlanBuffer = KernelPlan["buffers"][number];

/**
 * Memory planning: each activation and scratch buffer lives from the first to the last step that
 * binds it; buffers whose lifetimes do not overlap share a storage slot (greedy, largest first),
 * so a forward pass needs a few slots rather than one buffer per value. Weights, inputs, outputs
 * and KV caches keep their own storage.
 */
export function assignSlots(buffers: PlanBuffer[], steps: KernelPlan["steps"]): PlanBuffer[] {
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  steps.forEach((step, i) => {
    for (const id of step.buffers) {
      if (!first.has(id)) first.set(id, i);
      last.set(id, i);
    }
  });
  const shareable = (b: PlanBuffer) =>
    (b.kind === "activation" || b.kind === "scratch") && first.has(b.id) && b.dtype === "f32";
  const slots: { size: number; busy: [number, number][] }[] = [];
  const result = buffers.map((b) => ({ ...b }));
  const order = result
    .filter(shareable)
    .sort((a, b) => b.maxElements - a.maxElements || a.id - b.id);
  for (const buffer of order) {
    const life: [number, number] = [first.get(buffer.id)!, last.get(buffer.id)!];
    buffer.lifetime = life;
    const free = slots.findIndex(
      (slot) =>
        slot.size >= buffer.maxElements && slot.busy.every(([s, e]) => e < life[0] || s > life[1]),
    );
    const index = free >= 0 ? free : slots.push({ size: buffer.maxElements, busy: [] }) - 1;
    slots[index]!.busy.push(life);
    buffer.slot = index;
  }
  return result;
}
