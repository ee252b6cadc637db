/** gpufleet's version, as in package.json (a test keeps the two equal): the CLI's `--version` and `/health`. */
export const VERSION = '0.1.0';
