/**
 * ViT config from a spec: ViTForImageClassification when it ends in a classifier on [CLS],
 * else ViTModel with the pooler. Patches, a [CLS] token, learned positions, pre-LN blocks.
 */
import { NORM_OPS, nth } from "../../../formats/weights/structure.ts";
import { HF_ACTIVATION, num, type HfConfig, type Shape } from "./family.ts";

export function vitConfig(s: Shape): HfConfig {
  const patches = nth(s.before, "patch_embed");
  const attention = nth(s.layer, "attention");
  const mlp = nth(s.layer, "mlp");
  const norm = nth(s.layer, NORM_OPS);
  const classifier = nth(s.after, "classifier");
  const image = s.ir.inputs.find((i) => i.dtype === "float")?.shape ?? [];
  return {
    modelType: "vit",
    layout: "hf-vit",
    ...(classifier ? { prefixedName: "vit.embeddings.cls_token" } : {}),
    config: {
      architectures: [classifier ? "ViTForImageClassification" : "ViTModel"],
      model_type: "vit",
      image_size: Number(image[2] ?? 0),
      patch_size: num(patches, "patch"),
      num_channels: Number(image[1] ?? 0),
      hidden_size: patches?.weights.find((w) => w.name === "weight")?.shape[0] ?? 0,
      num_hidden_layers: s.layers,
      num_attention_heads: num(attention, "heads"),
      intermediate_size: num(mlp, "hidden"),
      hidden_act: HF_ACTIVATION[String(mlp?.attrs["act"])] ?? String(mlp?.attrs["act"]),
      layer_norm_eps: num(norm, "eps"),
      qkv_bias: true,
      ...(classifier ? { num_labels: num(classifier, "classes") } : {}),
    },
  };
}
