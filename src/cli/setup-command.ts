import { Command } from 'commander';
import proto from '@temporalio/proto';
import { loadConfig } from '../config.js';
import { SEARCH_ATTRIBUTES } from '../model/search-attributes.js';
import { withClient } from './temporal-client.js';

// CommonJS module: named ESM imports of it do not resolve.
const { temporal } = proto;

const TYPES = {
  Int: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_INT,
  Keyword: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
} as const;

/** `setup`: registers the custom search attributes on a cluster (the dev stack does it at start). */
export function setupCommand(): Command {
  return new Command('setup')
    .description('Register f1-ingest\'s search attributes (F1Season, F1Meeting, F1Session, F1Driver, F1Stage) on the configured namespace')
    .action(async () => {
      const config = loadConfig();
      await withClient(config, async (client) => {
        const existing = await client.connection.operatorService.listSearchAttributes({ namespace: config.temporal.namespace });
        const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !(name in (existing.customAttributes ?? {})));
        if (missing.length > 0) {
          await client.connection.operatorService.addSearchAttributes({
            namespace: config.temporal.namespace,
            searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, TYPES[type]])),
          });
        }
        console.log(missing.length ? `Registered ${missing.map(([n]) => n).join(', ')}.` : 'All search attributes already registered.');
      });
    });
}
