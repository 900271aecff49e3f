import { isAbsolute, resolve } from 'node:path';

/**
 * Makes a file catalog's relative paths (CatalogConf.Items.Path, Users.Path) absolute
 * against the config file's folder, in the raw config as read: a config that ships with
 * its data works from any working directory, and everything downstream (validation,
 * signatures, cluster workers, the vector server) sees one absolute path.
 */
export function resolveCatalogPaths(raw: unknown, configDir: string): void {
  const catalog = objectAt(raw, 'CatalogConf');
  for (const side of ['Items', 'Users']) {
    const conf = objectAt(catalog, side);
    const path = conf?.Path;
    if (conf && typeof path === 'string' && path !== '' && !isAbsolute(path)) conf.Path = resolve(configDir, path);
  }
}

function objectAt(v: unknown, key: string): Record<string, unknown> | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const child = Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  return child !== null && typeof child === 'object' && !Array.isArray(child) ? (child as Record<string, unknown>) : undefined;
}
