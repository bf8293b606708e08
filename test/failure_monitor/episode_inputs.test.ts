// The failure monitor's small input rules: the episode of an instruction, a foreign feature source.

import { strict as assert } from 'node:assert';
import { isForeignFeatureSource } from '../../nodes/failure_monitor/feature_source.js';
import { instructionEpisodeId } from '../../nodes/failure_monitor/instruction_episode.js';

describe('failure monitor inputs', () => {
  it("an instruction's episode: its id, or stamp and text when the id is empty", () => {
    const header = { stamp: { sec: 3, nanosec: 42 }, frame_id: '' };
    assert.equal(instructionEpisodeId({ header, id: 'ep-7', text: 'push' }), 'ep-7');
    assert.equal(instructionEpisodeId({ header, id: '', text: 'push the cube' }), '3.000000042:push the cube');
  });

  it("features are foreign only when they name another output than the detector's", () => {
    assert.equal(isForeignFeatureSource('policy/latent', 'policy/latent'), false);
    assert.equal(isForeignFeatureSource('expert:policy/latent', 'policy/latent'), false);
    assert.equal(isForeignFeatureSource('', 'policy/latent'), false, 'a publisher that does not say');
    assert.equal(isForeignFeatureSource('other', undefined), false, 'explicit detector files: nothing expected');
    assert.equal(isForeignFeatureSource('other', 'policy/latent'), true);
    assert.equal(isForeignFeatureSource('expert:other', 'policy/latent'), true);
  });
});
