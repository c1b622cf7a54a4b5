import { Client, Connection } from '@temporalio/client';
import type { AppConfig } from '../config.js';
import { temporalConnectionOptions } from '../temporal-connection.js';

/** A Temporal client for one CLI command; `close` releases the connection so the process can exit. */
export async function connectClient(config: AppConfig): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect(temporalConnectionOptions(config.temporal));
  return { client: new Client({ connection, namespace: config.temporal.namespace }), close: () => connection.close() };
}

/** Runs `fn` with a client for the configured cluster and always closes it. */
export async function withClient<R>(config: AppConfig, fn: (client: Client) => Promise<R>): Promise<R> {
  const { client, close } = await connectClient(config);
  try {
    return await fn(client);
  } finally {
    await close();
  }
}
