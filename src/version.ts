/** Recorded in every backup.json; keep in step with package.json (a unit test checks). */
export const TOOL_VERSION = '0.1.0';
