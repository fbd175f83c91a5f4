/**
 * The parts of zip.js the key archive uses, configured once. Imported dynamically by key-archive.ts (on the
 * first AutoCSR order, not at start); named imports here keep bundlers' tree shaking, which a dynamic
 * import of the package itself would lose (the Worker bundle grew by about 55 KiB that way).
 */
import { configure, ZipWriter, Uint8ArrayWriter, TextReader } from '@zip.js/zip.js';

configure({ useWebWorkers: false });

export { ZipWriter, Uint8ArrayWriter, TextReader };
