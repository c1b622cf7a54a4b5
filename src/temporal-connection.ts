import type { AppConfig } from './config.js';

/**
 * Connection options for the configured cluster, the same for the worker's NativeConnection and a
 * client's Connection: address, TLS/mTLS and the API key. Credentials come from the environment
 * only (config), never from workflow inputs.
 */
export function temporalConnectionOptions(temporal: AppConfig['temporal']) {
  return {
    address: temporal.address,
    ...(temporal.tls ? { tls: temporal.tls } : {}),
    ...(temporal.apiKey ? { apiKey: temporal.apiKey } : {}),
  };
}
