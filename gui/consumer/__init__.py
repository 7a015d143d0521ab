"""The Qt-free consumer loop."""

from gui.consumer.loop import Batch, Consumer, ConsumerSink, ConsumerState, Gap, StartPosition, resolve_position

__all__ = ["Batch", "Consumer", "ConsumerSink", "ConsumerState", "Gap", "StartPosition", "resolve_position"]
