"""Topic models: BERTopic on cached MiniLM embeddings, NMF/LDA baselines, metrics and views."""

from discourse.topics.models import (
    BERTopicModel,
    LDATopicModel,
    NMFTopicModel,
    load_topic_model,
    topic_models,
)

__all__ = ["BERTopicModel", "LDATopicModel", "NMFTopicModel", "load_topic_model", "topic_models"]
