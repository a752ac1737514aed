"""Spatial DNN accelerators: layer tables, an analytical dataflow cost model with a mapper, and a SCALE-Sim adapter.

| module | what |
|---|---|
| :mod:`.workloads` | alias of :mod:`archgym.simulators.networks`, the shared layer tables of AlexNet, VGG-16, ResNet-18/50, MobileNetV2, BERT-base, ViT-B/16 |
| :mod:`.simulator` | ``dnn_accel`` (``archgym/DNNAccel-v0``): hardware design space, metrics summed over a network |
| :mod:`.mapping` | ``dnn_mapping`` (``archgym/DNNMapping-v0``): one layer's mapping on a fixed array |
| :mod:`.scalesim_backend` | ``scalesim`` (``archgym/ScaleSim-v0``): the external SCALE-Sim simulator |

Importing this package imports none of the simulators (they load lazily through the registry).
"""

from archgym.simulators.networks import NETWORKS, Layer, find_layer, load_network, network_macs

__all__ = ["NETWORKS", "Layer", "find_layer", "load_network", "network_macs"]
