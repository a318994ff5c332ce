/**
 * One error type per failure kind. Every message says what went wrong and what to do about it;
 * none ever carries a secret (callers pass values through `redact` when they quote a child's
 * output).
 */
export type ErrorKind =
  'config' | 'secret' | 'tool' | 'connection' | 'dump' | 'storage' | 'verify' | 'restore' | 'usage';

export class BackupError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = new.target.name;
  }
}

/** One problem in the config file, located so an editor or an annotation can point at it. */
export interface ConfigIssue {
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
}

export class ConfigError extends BackupError {
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    super('config', ConfigError.format(issues));
    this.issues = issues;
  }
  static format(issues: ConfigIssue[]): string {
    const lines = issues.map(
      (i) => `${i.file}:${i.line}:${i.column}: ${i.path ? `${i.path}: ` : ''}${i.message}`,
    );
    return `Invalid config (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`;
  }
}

export class SecretError extends BackupError {
  constructor(message: string) {
    super('secret', message);
  }
}
export class ToolError extends BackupError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('tool', message, options);
  }
}
export class ConnectionError extends BackupError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('connection', message, options);
  }
}
export class DumpError extends BackupError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('dump', message, options);
  }
}
export class StorageError extends BackupError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('storage', message, options);
  }
}
export class VerifyError extends BackupError {
  constructor(message: string) {
    super('verify', message);
  }
}
export class RestoreError extends BackupError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('restore', message, options);
  }
}
export class UsageError extends BackupError {
  constructor(message: string) {
    super('usage', message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
