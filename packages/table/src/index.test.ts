import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { textTable } from './index.ts';

describe('textTable', () => {
  it('aligns columns two spaces apart under a dashed rule, right-aligned where asked', () => {
    const text = textTable(
      ['model', 'count'],
      [
        ['envelope', '7'],
        ['rules', '1250'],
      ],
      { align: ['left', 'right'] },
    );
    assert.equal(text, ['model     count', '--------  -----', 'envelope      7', 'rules      1250'].join('\n'));
  });

  it('prints the header and its rule when there are no rows, and no rule when asked', () => {
    assert.equal(textTable(['id'], []), 'id\n--');
    assert.equal(textTable(['x', 'long'], [['abc', '1']], { rule: false }), 'x    long\nabc  1');
  });

  it('measures wide characters by terminal width and keeps a row on one line', () => {
    assert.equal(
      textTable(
        ['a', 'b'],
        [
          ['中文', 'x'],
          ['tab\there', 'y\nz'],
        ],
        { rule: false },
      ),
      ['a         b', '中文      x', 'tab here  y z'].join('\n'),
    );
  });

  it('fills missing cells with nothing', () => {
    assert.equal(textTable(['a', 'b'], [['1']], { rule: false }), 'a  b\n1');
  });
});
