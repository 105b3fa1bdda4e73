// Reads server-sent events from a fetch response, in order, with their names.
export interface ServerEvent {
  name: string;
  data: unknown;
  /** The event's `id` field, when it has one (a change feed position). */
  id?: string;
}

export class EventStream {
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  private readonly decoder = new TextDecoder();
  private buffer = "";
  /** Events before this index were looked at by an earlier `until`. */
  private position = 0;
  /** Every event read so far, in order. */
  readonly seen: ServerEvent[] = [];

  constructor(response: Response) {
    const reader = response.body?.getReader();
    if (!reader) throw new Error("no body");
    this.reader = reader;
  }

  /** Reads until an event satisfies `match` and returns it; throws after `timeoutMs`. */
  async until(match: (event: ServerEvent) => boolean, timeoutMs = 15_000): Promise<ServerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.position < this.seen.length) {
        const event = this.seen[this.position];
        this.position += 1;
        if (event && match(event)) return event;
      }
      if (Date.now() >= deadline) throw new Error("no matching event before the deadline");
      let timer: ReturnType<typeof setTimeout> | undefined;
      const chunk = await Promise.race([
        this.reader.read(),
        new Promise<undefined>(
          (resolve) => (timer = setTimeout(() => resolve(undefined), deadline - Date.now())),
        ),
      ]);
      clearTimeout(timer);
      if (chunk?.done) throw new Error("the stream ended");
      if (!chunk) continue;
      this.buffer += this.decoder.decode(chunk.value, { stream: true });
      let end: number;
      while ((end = this.buffer.indexOf("\n\n")) >= 0) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        const name = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        const id = /^id: (.*)$/m.exec(block)?.[1];
        if (name && data)
          this.seen.push({ name, data: JSON.parse(data), ...(id === undefined ? {} : { id }) });
      }
    }
  }

  /** The events named `name` read so far. */
  named(name: string): unknown[] {
    return this.seen.filter((event) => event.name === name).map((event) => event.data);
  }

  close(): Promise<void> {
    return this.reader.cancel();
  }
}
