"""PyTorch reference code for piadm-spark (issue 11): the digits DDPM and classifier, the standard DDPM
ancestral sampler, a small ONNX evaluator written in PyTorch, and sample statistics.

Runs with Debian's python3 (/usr/bin/python3) and the packages python3-torch (1.13), python3-onnx (1.12),
python3-sklearn, python3-numpy; onnxruntime is not packaged by Debian and is not needed."""
