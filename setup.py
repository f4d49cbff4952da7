"""setuptools' part of the build: which folders become which packages (the metadata is in pyproject.toml).

templates/, static/ and migrations/ stay at the top of the checkout, where the app finds them when it runs
from there; the wheel carries them inside the inbox package (inbox/templates, ...), where it finds them once
installed (inbox.resource_dir). pyproject.toml cannot say this: a package list found by a search cannot be
combined with packages mapped to other folders there.
"""

from setuptools import find_packages, setup

DATA_PACKAGES = {"inbox.templates": "templates", "inbox.static": "static", "inbox.migrations": "migrations"}
# Named by type rather than "**/*", so __pycache__ of a checkout that ran its tests stays out of the wheel.
DATA_FILES = ["**/*.html", "**/*.txt", "**/*.css", "**/*.js", "**/*.svg", "**/*.png", "**/*.ico", "**/*.woff2",
              "**/LICENSE*", "**/VERSIONS", "README", "*.ini", "*.mako", "versions/*.py"]
# Data files that live beside the code: the common-password list, the mood lexicon.
CODE_DATA = {"inbox.accounts": ["*.txt"], "inbox.reports": ["*.txt"]}

setup(
    packages=find_packages(include=["inbox*", "scheduling*", "config*"]) + list(DATA_PACKAGES),
    package_dir=DATA_PACKAGES,
    package_data={"config": ["*.toml", "gunicorn.conf.py"], **CODE_DATA,
                  **{name: DATA_FILES for name in DATA_PACKAGES}},
)
