"""The reference bundles' instruction tokenizer: a Hugging Face `tokenizers` WordLevel model over
table-top instruction words (tokenizer.json + tokenizer_config.json), and the same tokenisation in
Python for training."""

import re

from .contract import MAX_TOKENS

SPECIAL = ["[PAD]", "[UNK]"]
WORDS = (
    # punctuation (the Whitespace pre-tokenizer splits it off words)
    [".", ",", "!", "?", "'", "-"]
    # articles, prepositions, conjunctions, pronouns
    + ["the", "a", "an", "to", "of", "on", "in", "into", "onto", "at", "from", "with", "and", "then",
       "top", "under", "inside", "next", "near", "behind", "front", "over", "above", "below",
       "between", "by", "toward", "towards", "until", "it", "its", "them", "that", "this", "is",
       "all", "both", "each", "other", "out", "off", "away", "around", "along", "please", "robot",
       "gripper", "arm", "hand", "side", "edge", "corner", "center", "centre", "middle", "end"]
    # colours
    + ["red", "green", "blue", "yellow", "orange", "purple", "pink", "black", "white", "gray",
       "grey", "brown", "cyan", "magenta"]
    # objects
    + ["cube", "cubes", "block", "blocks", "ball", "balls", "drawer", "box", "bowl", "cup", "mug",
       "plate", "can", "bottle", "lid", "button", "handle", "table", "tray", "basket", "target",
       "goal", "sponge", "cylinder", "sphere", "bin", "shelf", "object", "objects", "marker", "zone",
       "area", "region", "door", "cabinet", "stack", "tower", "pad", "peg", "hole", "line", "spot"]
    # verbs
    + ["push", "touch", "pick", "place", "put", "move", "open", "close", "lift", "grasp", "grab",
       "drop", "release", "slide", "press", "reach", "go", "rotate", "turn", "hold", "lower",
       "raise", "set", "take", "bring", "pull", "tap", "point", "stop", "return", "wait", "flip",
       "insert", "align", "sort", "swap", "knock", "roll", "shift", "nudge"]
    # directions, sizes, ordinals, manner
    + ["left", "right", "forward", "forwards", "backward", "backwards", "back", "up", "down",
       "upward", "downward", "small", "large", "big", "little", "tall", "short", "first",
       "second", "third", "bottom", "leftmost", "rightmost", "closest", "nearest", "farthest",
       "furthest", "same", "slowly", "gently", "carefully", "quickly", "again", "one", "two", "three",
       "cm", "centimeters", "centimetres", "bit", "slightly", "far", "home", "position", "upright"]
)


def tokenizer_json():
    vocab = {}
    for token in SPECIAL + WORDS:
        if token in vocab:
            raise ValueError(f"duplicate vocabulary entry {token!r}")
        vocab[token] = len(vocab)

    def added(i, content):
        return {"id": i, "content": content, "single_word": False, "lstrip": False, "rstrip": False,
                "normalized": False, "special": True}

    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": [added(0, "[PAD]"), added(1, "[UNK]")],
        "normalizer": {"type": "Lowercase"},
        "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None,
        "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


# tokenizers.js (@huggingface/tokenizers 0.2) has no WordLevel class: it reads a WordLevel model
# as its "Legacy" model, which takes the unknown token from tokenizer_config.json, not from
# model.unk_token. Ship the config beside tokenizer.json (the usual HF pair of files).
TOKENIZER_CONFIG = {
    "tokenizer_class": "PreTrainedTokenizerFast",
    "unk_token": "[UNK]",
    "pad_token": "[PAD]",
    "model_max_length": MAX_TOKENS,
    "do_lower_case": True,
    "clean_up_tokenization_spaces": False,
}


def tokenize(text):
    """What tokenizers.js does with tokenizer.json: lowercase, Whitespace pre-tokenizer (\\w+ and
    [^\\w\\s]+ runs), WordLevel lookup ([UNK] = 1), truncate / pad with 0 to MAX_TOKENS."""
    vocab = {t: i for i, t in enumerate(SPECIAL + WORDS)}
    ids = [vocab.get(w, 1) for w in re.findall(r"\w+|[^\w\s]+", text.lower())][:MAX_TOKENS]
    mask = [1] * len(ids) + [0] * (MAX_TOKENS - len(ids))
    return ids + [0] * (MAX_TOKENS - len(ids)), mask
