import type { MigrationError } from '../../errors/index.js';
import { LosslessBuilder, type LosslessDoc, LosslessText } from '../lossless/lossless.js';
import type { StreamItem } from '../read/items.js';

/**
 * The lossless document for `analyzeStream`: kept whole, or (with `to`) handed out as text in
 * batches while the stream is read, a returned promise pacing the reader.
 */
export class LosslessFeed {
  private builder: LosslessBuilder | undefined;
  private text: LosslessText | undefined;

  constructor(private readonly to: ((piece: string) => void | Promise<void>) | undefined) {}

  async add(item: StreamItem, pageSize: number): Promise<void> {
    if (!this.to) {
      this.builder ??= new LosslessBuilder(pageSize);
      this.builder.add(item);
      return;
    }
    this.text ??= new LosslessText(pageSize, this.to);
    this.text.add(item);
    if (this.text.full) await this.text.flush();
  }

  /** The document (undefined when it was handed out as text). */
  async finish(): Promise<LosslessDoc | undefined> {
    if (this.to) {
      await this.text?.end();
      return undefined;
    }
    return this.builder?.finish();
  }

  /**
   * The text already handed out is not the stream: it ends with a `rejected` item (and is closed,
   * so it stays JSON) that `assemble` refuses.
   */
  async reject(e: MigrationError): Promise<void> {
    await this.text?.end(e);
  }
}
