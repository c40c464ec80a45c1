/**
 * Lines of output with one status line kept under them on a terminal: each new line clears the
 * status, prints, and draws it again. Off a terminal the status line is left out, so logs and
 * pipes get only the permanent lines.
 */
export class LiveLine {
  readonly #stream: NodeJS.WriteStream;
  readonly #live: boolean;
  #status = '';

  constructor(stream: NodeJS.WriteStream = process.stdout) {
    this.#stream = stream;
    this.#live = Boolean(stream.isTTY);
  }

  line(text: string): void {
    this.#clear();
    this.#stream.write(`${text}\n`);
    this.#draw();
  }

  status(text: string): void {
    if (!this.#live) return;
    this.#clear();
    this.#status = this.#fit(text);
    this.#draw();
  }

  /** Removes the status line for good, before the program prints something else or exits. */
  done(): void {
    this.#clear();
    this.#status = '';
  }

  #clear(): void {
    if (this.#live && this.#status) this.#stream.write('\r\u001b[2K');
  }

  #draw(): void {
    if (this.#live && this.#status) this.#stream.write(this.#status);
  }

  /** A status that wrapped would leave its first half behind on every redraw. */
  #fit(text: string): string {
    const width = this.#stream.columns || 80;
    return text.length >= width ? `${text.slice(0, width - 2)}…` : text;
  }
}
