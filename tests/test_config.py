"""Settings: flag > HARVESTER_* env > harvester.toml > default, with errors naming the source."""

from __future__ import annotations

import pytest

from harvester.config import Config
from harvester.errors import BadInput


def test_precedence_flag_env_file_default(tmp_path):
    toml = tmp_path / "harvester.toml"
    toml.write_text('delay = 3.0\nmax_pages = 12\ncontact_url = "mailto:me@uni.ac.uk"\n')
    cfg = Config.load({"max_pages": 7}, env={"HARVESTER_DELAY": "2.5"}, toml_path=toml)
    assert (cfg.max_pages, cfg.delay, cfg.depth) == (7, 2.5, 3)
    assert cfg.sources["max_pages"] == "--max-pages"
    assert cfg.sources["delay"] == "HARVESTER_DELAY"
    assert "mailto:me@uni.ac.uk" in cfg.user_agent and cfg.user_agent.startswith("harvester/")


def test_snowball_table_sits_beside_top_level_settings(tmp_path):
    toml = tmp_path / "harvester.toml"
    toml.write_text("delay = 2.0\n[snowball]\nbridging = 2\n")
    assert Config.load({}, env={}, toml_path=toml).delay == 2.0


def test_unknown_setting_and_bad_value_name_their_source(tmp_path):
    toml = tmp_path / "harvester.toml"
    toml.write_text("dealy = 2\n")
    with pytest.raises(BadInput, match=r"harvester.toml: unknown setting 'dealy'"):
        Config.load({}, env={}, toml_path=toml)
    with pytest.raises(BadInput, match=r"'delay' from HARVESTER_DELAY: 'soon' is not a float"):
        Config.load({}, env={"HARVESTER_DELAY": "soon"}, toml_path=tmp_path / "none.toml")
    with pytest.raises(BadInput, match="must not be negative"):
        Config.load({"delay": -1}, env={}, toml_path=tmp_path / "none.toml")


def test_harvester_config_naming_a_missing_file_is_refused(tmp_path):
    """A config file named by HARVESTER_CONFIG that is not there must not be silently skipped."""
    with pytest.raises(BadInput, match="does not exist"):
        Config.load({}, env={"HARVESTER_CONFIG": str(tmp_path / "typo.toml")})
    with pytest.raises(BadInput, match="is a folder"):
        Config.load({}, env={"HARVESTER_CONFIG": str(tmp_path)})
    named = tmp_path / "mine.toml"
    named.write_text("delay = 3\n")
    assert Config.load({}, env={"HARVESTER_CONFIG": str(named)}).delay == 3.0
