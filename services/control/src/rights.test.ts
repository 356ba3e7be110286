import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RIGHT_MEANINGS, RIGHTS } from '@vigil/control-api';
import { allows, effectiveRights, normaliseRights } from './rights.ts';

describe('rights', () => {
  it('are the catalogue of issue 8, each with a meaning', () => {
    assert.deepEqual(
      [...RIGHTS],
      ['view', 'label', 'edit_markups', 'edit_models', 'train', 'infer', 'prepare', 'publish', 'administer'],
    );
    assert.deepEqual(Object.keys(RIGHT_MEANINGS).sort(), [...RIGHTS].sort());
  });

  it("of a user are the union of their roles' rights, once each, in catalogue order", () => {
    assert.deepEqual(effectiveRights([['publish', 'view'], ['view', 'label'], []]), ['view', 'label', 'publish']);
    assert.deepEqual(effectiveRights([]), []);
    assert.deepEqual(effectiveRights([['view', 'retired_right']]), ['view']);
    assert.deepEqual(normaliseRights(['train', 'view', 'train']), ['view', 'train']);
  });

  it('imply nothing: administer does not allow publish, and null needs no right', () => {
    assert.equal(allows(['administer'], 'publish'), false);
    assert.equal(allows(['administer'], 'view'), false);
    assert.ok(allows(['publish'], 'publish'));
    assert.ok(allows([], null));
    for (const right of RIGHTS) {
      assert.ok(allows([right], right));
      assert.equal(
        allows(
          RIGHTS.filter((r) => r !== right),
          right,
        ),
        false,
      );
    }
  });
});
