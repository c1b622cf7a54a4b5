/**
 * Last line of defence for "secrets are never logged": every log line passes through here and any
 * configured secret value in it, wherever it sits (message, metadata, an error's stack), is
 * replaced. Our code does not log secrets in the first place; this guards against a library
 * logging an options object or an error quoting a connection string.
 */
export class SecretRedactor {
  static readonly MASK = '[REDACTED]';
  /** Longest first, so a secret containing another is masked whole. */
  private patterns: string[] = [];

  /** Masks `value` in every later line, both as is and as it appears inside a JSON string. */
  add(...values: Array<string | undefined>): void {
    const next = new Set(this.patterns);
    for (const value of values) {
      if (!value) continue;
      next.add(value);
      next.add(JSON.stringify(value).slice(1, -1));
    }
    this.patterns = [...next].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const pattern of this.patterns) out = out.replaceAll(pattern, SecretRedactor.MASK);
    return out;
  }
}
