/** Process entry of the bundled CLI (dist/cli.mjs). */
import { main } from './main.ts';

/**
 * The reader of standard output went away (`g8boot iso -o - | head`, a closed pager): end quietly, with the
 * status a Unix tool killed by SIGPIPE has (128 + 13), as `yes | head` does. Without this, the failed write
 * becomes "unexpected error: write EPIPE" (or an uncaught exception when it is noticed after the command).
 */
const EXIT_BROKEN_PIPE = 141;
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(EXIT_BROKEN_PIPE);
  throw error;
});

process.exitCode = await main(process.argv);
