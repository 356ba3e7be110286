import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { median, quantile } from './results.ts';
import { formatNumber, renderTable } from './table.ts';

describe('renderTable', () => {
  it('pads every column to one width and right-aligns numbers, as a Markdown table', () => {
    const rows = [
      { name: 'passthrough', rate: 54_754 },
      { name: 'ingest', rate: 9_001 },
    ];
    const table = renderTable(
      [
        { header: 'scenario', cell: (r: (typeof rows)[number]) => r.name },
        { header: 'records/s', align: 'right', cell: (r: (typeof rows)[number]) => formatNumber(r.rate) },
        { header: 'x', cell: () => undefined },
      ],
      rows,
    );
    assert.equal(
      table,
      [
        '| scenario    | records/s | x |',
        '| ----------- | --------: | - |',
        '| passthrough |    54,754 | – |',
        '| ingest      |     9,001 | – |',
      ].join('\n'),
    );
  });
});

describe('formatNumber, median and quantile', () => {
  it('formats with separators and a dash for unknown values', () => {
    assert.equal(formatNumber(1234.567, 1), '1,234.6');
    assert.equal(formatNumber(undefined), '–');
    assert.equal(formatNumber(Number.NaN), '–');
  });

  it('takes the middle value, or the mean of the middle two', () => {
    assert.equal(median([3, 1, 2]), 2);
    assert.equal(median([4, 1, 3, 2]), 2.5);
  });

  it('takes quantiles by nearest rank', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(quantile(hundred, 0.5), 50);
    assert.equal(quantile(hundred, 0.99), 99);
    assert.equal(quantile(hundred, 1), 100);
    assert.equal(quantile([7], 0.99), 7);
    assert.ok(Number.isNaN(quantile([], 0.5)));
  });
});
