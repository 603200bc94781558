"""Training of the close-control verifier (:mod:`detectors.verifier`): data, model, card.

Run ``python -m detectors.train`` (needs the ``[train]`` extra: torch, onnx; plus npm and
Debian's chromium for the assets). Nothing here is imported at run time: the detector
stack only needs the committed ONNX file and onnxruntime.

Modules
-------
assets    icon packages from npm (pinned versions), their SVGs rasterised in headless
          Chromium; app-like screens rendered from generated HTML; sample photos
synth     close controls and hard negatives drawn over those screens -> (frame, labels)
dataset   whole-frame proposals on synthetic screens -> labelled crops (the verifier's input)
fit       the CNN, its training, ONNX export, model card and reference outputs
"""
