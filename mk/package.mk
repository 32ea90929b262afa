# The Python packages (pyproject.toml, setup.py; docs/install.md).
#   make package-libs   the shared objects `pip install .` ships inside the package
#   make typecheck      mypy over mnetif/ and pyharness/ (configuration: pyproject.toml)
#   make test-package   typecheck, then tests/packaging: `pip install .` into a fresh virtualenv,
#                       examples/tinyring through the installed pytest plugin,
#                       the packages imported and used from outside the checkout
#   make test-plugin    tests/plugin (~1 min): the plugin from the checkout on examples/tinyring:
#                       Hypothesis and PCT find its broken build, the failure report (property,
#                       table, SVG timeline, token), --mnetif-replay, the profiles
# The libraries are named in the recipe: harness.mk (included after this file) defines them.
.PHONY: package-libs typecheck test-package test-plugin

package-libs:
	@$(MAKE) --no-print-directory $(LIB) $(LIB_ZOO) $(MODEL_LIB) $(MODEL_VARIANT_LIBS)

typecheck:
	@command -v mypy >/dev/null || { echo "mypy is missing: run bash scripts/install-deps.sh (requirements.txt)"; exit 1; }
	mypy

test-package: typecheck package-libs
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/packaging

test-plugin:
	$(PYTHON) -m pytest -q -p no:cacheprovider tests/plugin

TEST_TARGETS += test-package test-plugin
