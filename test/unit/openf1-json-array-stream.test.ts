import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  JsonArraySplitter,
  JsonArrayStreamError,
  splitJsonArray,
  type JsonArrayStreamErrorKind,
} from '../../src/openf1/json-array-stream.js';
import { collect } from './openf1-test-server.js';

/** Feeds `chunks` to a fresh splitter, returning the objects or the error. */
function split(chunks: Buffer[], maxObjectBytes?: number): string[] | JsonArrayStreamError {
  const splitter = new JsonArraySplitter({ maxObjectBytes });
  const out: string[] = [];
  try {
    for (const chunk of chunks) out.push(...splitter.push(chunk));
    splitter.end();
    return out;
  } catch (error) {
    if (error instanceof JsonArrayStreamError) return error;
    throw error;
  }
}

/** The document cut in two at every byte, and one byte at a time. */
function chunkings(doc: string): Array<{ name: string; chunks: Buffer[] }> {
  const bytes = Buffer.from(doc);
  const out = [{ name: 'whole', chunks: [bytes] }, { name: 'bytewise', chunks: [...bytes].map((b) => Buffer.from([b])) }];
  for (let cut = 1; cut < bytes.length; cut++) out.push({ name: `cut@${cut}`, chunks: [bytes.subarray(0, cut), bytes.subarray(cut)] });
  return out;
}

const valid: Array<{ name: string; doc: string; objects: string[] }> = [
  { name: 'empty array', doc: '[]', objects: [] },
  { name: 'empty array with whitespace', doc: ' \r\n\t[ \n ]\n', objects: [] },
  { name: 'one object', doc: '[{"a":1}]', objects: ['{"a":1}'] },
  {
    name: 'brackets and braces inside strings, nesting, whitespace between elements',
    doc: '[\n {"a":"}{][,"} ,\r\n\t{"b":[1,{"c":[2,{}]}],"d":"]"}\n]',
    objects: ['{"a":"}{][,"}', '{"b":[1,{"c":[2,{}]}],"d":"]"}'],
  },
  {
    name: 'escaped quotes and backslashes',
    doc: '[{"a":"x\\"}y\\\\"},{"b":"\\\\"},{"c":"\\\\\\"]"}]',
    objects: ['{"a":"x\\"}y\\\\"}', '{"b":"\\\\"}', '{"c":"\\\\\\"]"}'],
  },
  { name: 'unicode escapes and multi-byte UTF-8', doc: '[{"n":"Pérez 🏎 \\u00e9"},{"m":"ü"}]', objects: ['{"n":"Pérez 🏎 \\u00e9"}', '{"m":"ü"}'] },
];

void describe('splits valid arrays at any chunk boundary', () => {
  for (const c of valid) {
    void test(c.name, () => {
      for (const { name, chunks } of chunkings(c.doc)) {
        assert.deepEqual(split(chunks), c.objects, name);
        for (const text of c.objects) JSON.parse(text); // each piece is a whole JSON object
      }
    });
  }
});

describe('pushNdjson: the same objects, as their exact bytes and a newline each', () => {
  for (const c of valid) {
    void test(c.name, () => {
      for (const { name, chunks } of chunkings(c.doc)) {
        const splitter = new JsonArraySplitter();
        const batches = chunks.map((chunk) => splitter.pushNdjson(chunk));
        splitter.end();
        assert.equal(Buffer.concat(batches.map((b) => b.ndjson)).toString('utf8'), c.objects.map((o) => `${o}\n`).join(''), name);
        assert.equal(batches.reduce((n, b) => n + b.rows, 0), c.objects.length, name);
      }
    });
  }

  void test('truncation and a non-array document fail as in push()', () => {
    const truncated = new JsonArraySplitter();
    truncated.pushNdjson(Buffer.from('[{"a":1},{"b":'));
    assert.throws(() => truncated.end(), (e: unknown) => e instanceof JsonArrayStreamError && e.kind === 'truncated');
    const object = new JsonArraySplitter();
    assert.equal(object.pushNdjson(Buffer.from('{"detail":"No results found."}')).rows, 0);
    assert.throws(() => object.end(), (e: unknown) => e instanceof JsonArrayStreamError && e.kind === 'not-array' && e.document === '{"detail":"No results found."}');
  });
});

const broken: Array<{ name: string; doc: string; kind: JsonArrayStreamErrorKind; elementIndex: number }> = [
  { name: 'empty body', doc: '', kind: 'truncated', elementIndex: 0 },
  { name: 'only whitespace', doc: '  \n', kind: 'truncated', elementIndex: 0 },
  { name: 'just [', doc: '[', kind: 'truncated', elementIndex: 0 },
  { name: 'no closing ]', doc: '[{"a":1}', kind: 'truncated', elementIndex: 1 },
  { name: 'ends after a comma', doc: '[{"a":1},', kind: 'truncated', elementIndex: 1 },
  { name: 'ends mid-object', doc: '[{"a":1},{"b":', kind: 'truncated', elementIndex: 1 },
  { name: 'ends mid-string', doc: '[{"a":1},{"b":"x}]', kind: 'truncated', elementIndex: 1 },
  { name: 'ends after a backslash in a string', doc: '[{"a":"x\\', kind: 'truncated', elementIndex: 0 },
  { name: 'garbage after ]', doc: '[{"a":1}] x', kind: 'malformed', elementIndex: 1 },
  { name: 'second array', doc: '[][]', kind: 'malformed', elementIndex: 0 },
  { name: 'non-object elements', doc: '[1,2]', kind: 'malformed', elementIndex: 0 },
  { name: 'missing comma', doc: '[{"a":1}{"b":2}]', kind: 'malformed', elementIndex: 1 },
  { name: 'trailing comma', doc: '[{"a":1},]', kind: 'malformed', elementIndex: 1 },
  { name: 'not JSON', doc: '<html>', kind: 'malformed', elementIndex: 0 },
  { name: 'null', doc: 'null', kind: 'malformed', elementIndex: 0 },
  { name: 'an object instead of an array', doc: '{"detail":"No results found."}', kind: 'not-array', elementIndex: 0 },
  { name: 'an incomplete object instead of an array', doc: '{"detail":"No res', kind: 'truncated', elementIndex: 0 },
];

void describe('detects truncation and garbage at any chunk boundary', () => {
  for (const c of broken) {
    void test(c.name, () => {
      for (const { name, chunks } of chunkings(c.doc)) {
        const result = split(chunks);
        assert.ok(result instanceof JsonArrayStreamError, `${name}: expected an error, got ${JSON.stringify(result)}`);
        assert.equal(result.kind, c.kind, name);
        assert.equal(result.elementIndex, c.elementIndex, name);
      }
    });
  }

  void test('a non-array document is never yielded as a row, and is returned whole for inspection', () => {
    const splitter = new JsonArraySplitter();
    assert.deepEqual(splitter.push(Buffer.from(' {"detail":')), []);
    assert.deepEqual(splitter.push(Buffer.from('"No results found."} ')), []);
    const error = (() => {
      try {
        splitter.end();
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error instanceof JsonArrayStreamError && error.kind === 'not-array');
    assert.equal(error.document, '{"detail":"No results found."}');
  });

  void test('an object larger than maxObjectBytes is malformed instead of buffered', () => {
    const big = `[{"a":"${'x'.repeat(1000)}"}]`;
    const chunks = chunkings(big).find((c) => c.name === 'bytewise')!.chunks;
    const result = split(chunks, 500);
    assert.ok(result instanceof JsonArrayStreamError);
    assert.equal(result.kind, 'malformed');
    assert.match(result.message, /exceeds 500 bytes/);
    assert.deepEqual(split(chunks, 2000), [big.slice(1, -1)]);
  });
});

void test('splitJsonArray yields lazily from an async byte stream', async () => {
  let pulled = 0;
  async function* source() {
    for (const part of ['[{"a":1},', '{"b":2}', ',{"c":3}]']) {
      pulled++;
      yield Buffer.from(part);
    }
  }
  const it = splitJsonArray(source());
  assert.deepEqual(await it.next(), { done: false, value: '{"a":1}' });
  assert.equal(pulled, 1, 'only the first chunk was needed for the first object');
  assert.deepEqual(await collect(it), ['{"b":2}', '{"c":3}']);
  await assert.rejects(collect(splitJsonArray(source2())), (e: unknown) => e instanceof JsonArrayStreamError && e.kind === 'truncated');
  async function* source2() {
    yield Buffer.from('[{"a":1}');
  }
});
