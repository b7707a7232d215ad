// Imported first by cli.ts, before any module that styles text at load time (output/report.ts
// does). chalk follows FORCE_COLOR and turns colour off for a non-TTY, but ignores NO_COLOR
// (https://no-color.org); node's util.styleText, which @inquirer/prompts uses, honours it. Make
// chalk agree, with FORCE_COLOR winning as it does in node.
import chalk from 'chalk';

if ((process.env.NO_COLOR ?? '') !== '' && process.env.FORCE_COLOR === undefined) chalk.level = 0;
