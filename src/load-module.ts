/**
 * import() of a module outside the CLI bundle (the chart libraries, the validator's commands, a
 * SERVESIM_REGISTRY module), by package name or URL. A module of its own, so that the bundle holds
 * no import(): the CLI runs the bundle as a script with V8's code cache (tools/cli-loader.mjs), and
 * a script's import() needs Node's experimental VM modules (a warning on every use) and is lost
 * from code that comes out of the cache.
 */
export function importModule<T = unknown>(specifier: string): Promise<T> {
  return import(specifier) as Promise<T>;
}
