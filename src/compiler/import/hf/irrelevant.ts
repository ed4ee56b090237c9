/**
 * Fields every Hugging Face config may hold that do not change a model's forward pass: naming
 * and bookkeeping, token ids (they pick tokens, not math), training-only settings (dropout,
 * initialisation, gradient checkpointing) and generation defaults. Each family adds its own.
 */
export const COMMON_IRRELEVANT = [
  // bookkeeping
  "_name_or_path",
  "architectures",
  "torch_dtype",
  "transformers_version",
  "model_type",
  "tokenizer_class",
  "prefix",
  "finetuning_task",
  "problem_type",
  "return_dict",
  "output_hidden_states",
  "output_attentions",
  "torchscript",
  "use_cache",
  "output_past",
  "task_specific_params",
  // token ids
  "bos_token_id",
  "eos_token_id",
  "pad_token_id",
  "sep_token_id",
  "decoder_start_token_id",
  // training only
  "initializer_range",
  "initializer_factor",
  "gradient_checkpointing",
  "dropout",
  "attention_dropout",
  "hidden_dropout",
  "classifier_dropout",
  // generation defaults
  "max_length",
  "min_length",
  "do_sample",
  "early_stopping",
  "num_beams",
  "temperature",
  "top_k",
  "top_p",
  "repetition_penalty",
  "length_penalty",
  "no_repeat_ngram_size",
] as const;
