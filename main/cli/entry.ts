/** Process entry of the bundled CLI (dist/cli.mjs). */
import { main } from './main.ts';

process.exitCode = await main(process.argv);
