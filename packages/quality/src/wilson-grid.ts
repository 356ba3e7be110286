/**
 * For science/tests/test_wilson_crosscheck.py: reads `[[k, n], …]` as JSON on
 * stdin and writes `[[lower, upper], …]` of `wilson(k, n)` as JSON on stdout,
 * so the Python side compares them with statsmodels.
 */
import { text } from 'node:stream/consumers';
import { wilson } from './wilson.ts';

const grid = JSON.parse(await text(process.stdin)) as [number, number][];
process.stdout.write(`${JSON.stringify(grid.map(([k, n]) => Object.values(wilson(k, n))))}\n`);
