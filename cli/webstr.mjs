#!/usr/bin/env node
// The `webstr` command: runs cli/main.ts from source through tsx (see register.mjs).
import './register.mjs';

const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
