/**
 * ViT (ViTForImageClassification, or ViTModel with its pooler): patch embedding, a [CLS] token,
 * learned positions, pre-norm blocks, a final LayerNorm, and a classifier on [CLS] (or the
 * pooler). `architectures` says which head the checkpoint has.
 */
import { COMMON_IRRELEVANT } from "./irrelevant.ts";
import { classificationHead, encoderSizes, importHeader, type Family } from "./family.ts";
import { call, SpecBuilder } from "./spec-builder.ts";

/** ViT fields that change no forward pass: dropout, the masked-image-modelling decoder stride. */
const IRRELEVANT = ["hidden_dropout_prob", "attention_probs_dropout_prob", "encoder_stride"];

export const vit: Family = (cfg, options) => {
  const head = classificationHead(cfg, "ViTForImageClassification");
  cfg.ignore([...COMMON_IRRELEVANT, ...IRRELEVANT]);
  const image = cfg.int("image_size", 224);
  const patch = cfg.int("patch_size", 16);
  const channels = cfg.int("num_channels", 3);
  const { d, layers, heads, ffn, act, eps } = encoderSizes(cfg);
  if (!cfg.bool("qkv_bias", true))
    cfg.unsupported(
      "qkv_bias",
      "ViT without q/k/v biases keeps the output projection's, and Loom's attention `bias` covers all four",
    );
  if (image % patch !== 0)
    cfg.report(
      "E0904",
      "patch_size",
      `patch_size = ${patch} does not divide image_size = ${image}`,
      {
        label: "not a divisor of the image size",
      },
    );

  const b = new SpecBuilder(
    options.name,
    importHeader("vit", options, [
      `ViT: ${patch} × ${patch} patches, a [CLS] token, learned positions, pre-norm blocks, a final`,
      head !== undefined
        ? "LayerNorm and a classifier on [CLS]."
        : "LayerNorm and the pooler (ViTModel).",
    ]),
  );
  b.dims({ image, channels, patch, d, heads, ffn, layers });
  if (head !== undefined) b.dims({ classes: head });
  b.dims({ grid: "image / patch", positions: "grid * grid + 1" });
  b.input("pixels", "float", ["batch", "channels", "image", "image"]);
  b.blank();
  const norm = (x: string) => call("layernorm", [x], { eps });
  b.assign("x", call("cls_token", [call("patch_embed", ["pixels", "patch", "d"])]));
  b.assign("x", `x + ${call("learned_positions", ["x", "positions"])}`);
  b.repeat("layers", "encoder", (r) => {
    r.assign("x", `x + ${call("attention", [norm("x"), "heads"])}`);
    r.assign("x", `x + ${call("mlp", [norm("x"), "ffn"], { act })}`);
  });
  b.assign("x", norm("x"));
  if (head !== undefined)
    b.output("logits", call("classifier", [call("cls_pool", ["x"]), "classes"]));
  else {
    b.output("hidden", "x");
    b.output("pooled", call("pooler", ["x"]));
  }
  return { spec: b.text(), layout: "hf-vit" };
};
