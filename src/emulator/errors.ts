/**
 * An exception the reference query API would raise while handling a request. Its catch-all
 * handler (`query_api/app.py`, `endpoint()`) turns every exception into `500` with an HTML page
 * `<h1>An error occurred</h1><pre>{traceback}</pre>`; `exception` is the Python class name shown there.
 */
export class OpenF1Exception extends Error {
  constructor(
    readonly exception: string,
    message: string,
  ) {
    super(message);
    this.name = 'OpenF1Exception';
  }
}
