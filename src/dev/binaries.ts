import { accessSync, constants } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** External service binaries that scripts/bootstrap.sh installs into `.tools/bin`. */
export type ToolName = 'temporal' | 'minio';

const ENV_OVERRIDE: Record<ToolName, string> = { temporal: 'TEMPORAL_BIN', minio: 'MINIO_BIN' };

/** Repository root, derived from this file's location (src/dev/) so it works from any cwd. */
export const repoRoot: string = fileURLToPath(new URL('../../', import.meta.url));

export class MissingBinaryError extends Error {
  readonly type = 'MissingBinary';
  constructor(
    readonly tool: ToolName,
    readonly path: string,
    /** Set when the path came from an environment override rather than `.tools/bin`. */
    readonly envVar: string | undefined,
  ) {
    super(
      envVar
        ? `${tool}: ${envVar}=${path} is not an executable file; fix or unset ${envVar}`
        : `${tool}: no executable at ${path}; run \`bash scripts/bootstrap.sh\` (or set ${ENV_OVERRIDE[tool]} to an existing binary)`,
    );
    this.name = 'MissingBinaryError';
  }
}

/**
 * Path of `tool`: the `TEMPORAL_BIN` / `MINIO_BIN` override when set, else `<repo>/.tools/bin/<tool>`.
 * Throws MissingBinaryError when the chosen path is not executable, so callers fail before spawning.
 */
export function resolveBinary(tool: ToolName, env: NodeJS.ProcessEnv = process.env): string {
  const envVar = ENV_OVERRIDE[tool];
  const override = env[envVar];
  const path = override ? override : join(repoRoot, '.tools', 'bin', tool);
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new MissingBinaryError(tool, path, override ? envVar : undefined);
  }
  return path;
}
