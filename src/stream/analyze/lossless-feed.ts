import type { MigrationError } from '../../errors/index.js';
import {
  LosslessBuilder,
  type LosslessDoc,
  losslessHead,
  losslessItemText,
  losslessTail,
  rejectedEntry,
} from '../lossless/lossless.js';
import type { StreamItem } from '../read/items.js';

/**
 * The lossless document for `analyzeStream`: kept whole, or (with `to`) handed out as text piece
 * by piece while the stream is read, a returned promise pacing the reader.
 */
export class LosslessFeed {
  private builder: LosslessBuilder | undefined;
  /** Text pieces waiting for `to`, and how many went out. */
  private readonly pieces: string[] = [];
  private emitted = 0;

  constructor(private readonly to: ((piece: string) => void | Promise<void>) | undefined) {}

  async add(item: StreamItem, pageSize: number): Promise<void> {
    const to = this.to;
    if (!to) {
      this.builder ??= new LosslessBuilder(pageSize);
      this.builder.add(item);
      return;
    }
    if (!this.builder) {
      this.builder = new LosslessBuilder(pageSize, (entry) => {
        this.pieces.push(losslessItemText(entry, this.pieces.length === 0 && this.emitted === 0));
      });
      await to(losslessHead(pageSize));
    }
    this.builder.add(item);
    await this.flush();
  }

  private async flush(): Promise<void> {
    for (const piece of this.pieces.splice(0)) {
      this.emitted++;
      await this.to?.(piece);
    }
  }

  /** The document (undefined when it was handed out piece by piece). */
  async finish(): Promise<LosslessDoc | undefined> {
    if (!this.builder) return undefined;
    const doc = this.builder.finish();
    if (!this.to) return doc;
    await this.flush();
    await this.to(losslessTail(this.emitted === 0));
    return undefined;
  }

  /**
   * The text already handed out is not the stream: it ends with a `rejected` item (and is closed,
   * so it stays JSON) that `assemble` refuses.
   */
  async reject(e: MigrationError): Promise<void> {
    if (!this.to || !this.builder) return;
    await this.flush();
    await this.to(losslessItemText(rejectedEntry(e), this.emitted === 0));
    await this.to(losslessTail(false));
  }
}
