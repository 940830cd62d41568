from a2g.ids import new_id


def test_ids_made_in_one_millisecond_still_sort_in_creation_order() -> None:
    ids = [new_id("agt") for _ in range(2000)]  # thousands per millisecond on any machine
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_id_shape() -> None:
    value = new_id("ses")
    assert value.startswith("ses_") and len(value) == 4 + 26
