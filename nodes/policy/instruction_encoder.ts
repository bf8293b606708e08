// Turns a language instruction into the VLM's token inputs: the manifest's prompt template,
// the bundle's HF tokenizer.json (@huggingface/tokenizers), then padding/truncation to a
// fixed length, as int64 ids plus an attention mask.

import fs from 'node:fs';
import path from 'node:path';
import * as tokenizers from '@huggingface/tokenizers';
import type { InstructionSpec } from './manifest.js';
import { errorText } from '../error_text.js';

// tokenizers.js ships declarations whose relative imports lack file extensions, so they do
// not resolve under NodeNext; this is the part of its API we use.
interface HfTokenizer {
  encode(text: string): { ids: Array<number | null | undefined> };
}
const Tokenizer = (tokenizers as unknown as { Tokenizer: new (tokenizer: object, config: object) => HfTokenizer }).Tokenizer;

export interface EncodedInstruction {
  ids: BigInt64Array;
  attentionMask: BigInt64Array;
  /** Tokens beyond maxTokens were cut. */
  truncated: boolean;
}

export class InstructionEncoder {
  private readonly tokenizer: HfTokenizer;

  constructor(
    private readonly spec: InstructionSpec,
    tokenizerPath: string,
  ) {
    let json: { model?: { unk_token?: string } };
    try {
      json = JSON.parse(fs.readFileSync(tokenizerPath, 'utf8')) as typeof json;
    } catch (err) {
      throw new Error(`cannot read tokenizer ${tokenizerPath}: ${errorText(err)}`, { cause: err });
    }
    // tokenizers.js reads special tokens from tokenizer_config.json (HF's second file); for
    // models it has no class for (WordLevel) the unknown token must come from there too.
    const configPath = path.join(path.dirname(tokenizerPath), 'tokenizer_config.json');
    const config: object = fs.existsSync(configPath)
      ? (JSON.parse(fs.readFileSync(configPath, 'utf8')) as object)
      : { unk_token: json.model?.unk_token };
    this.tokenizer = new Tokenizer(json, config);
  }

  prompt(instruction: string): string {
    return this.spec.template.replaceAll('{instruction}', instruction.trim());
  }

  encode(instruction: string): EncodedInstruction {
    const { ids } = this.tokenizer.encode(this.prompt(instruction));
    const n = this.spec.maxTokens;
    const out = new BigInt64Array(n).fill(BigInt(this.spec.padId));
    const mask = new BigInt64Array(n);
    const used = Math.min(n, ids.length);
    for (let i = 0; i < used; i++) {
      const id = ids[i];
      if (id === undefined || id === null)
        throw new Error(`tokenizer has no id for '${this.prompt(instruction)}' token ${i} (no unknown token configured?)`);
      out[i] = BigInt(id);
      mask[i] = 1n;
    }
    return { ids: out, attentionMask: mask, truncated: ids.length > n };
  }
}
