"""The one check of a model version: every lens refuses an unknown one in the same words."""

from __future__ import annotations

import pytest

from qpq.errors import EXIT_BAD_INPUT, BadInputError
from qpq.model import MODELS, check_model


@pytest.mark.parametrize("model", MODELS)
def test_a_known_model_passes_through(model: str) -> None:
    assert check_model(model) == model


@pytest.mark.parametrize(("field", "where"), [("model", "model: "), ("--model", "--model: ")])
def test_an_unknown_model_names_the_field_and_the_allowed_ones(field: str, where: str) -> None:
    with pytest.raises(BadInputError) as info:
        check_model("V1", field=field)
    assert str(info.value) == f"{where}unknown model 'V1'; allowed: v1, v2"
    assert info.value.exit_code == EXIT_BAD_INPUT
