/** The sha256 of everything dist/ is built from (scripts/sources-hash.mjs). */
export function sourcesHash(root: string): string;
