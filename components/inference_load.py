"""Rasa's TEDPolicy, loaded for prediction without Rasa's one-example training step.

Rasa builds a saved TED (or DIET) model by fitting it on one example before it reads the weights back. That
traces the whole training graph: with this project's TED it cost 55 MB of server memory and 10 s of start-up
(with the DIET entity extractor this project used before the CRF, another 500 MB and 23 s). Here the weights
are read first and the model is built by the prediction call alone; TensorFlow restores each variable as it
is created. Training-only state (the optimizer's slots) is left in the checkpoint. Training and fine-tuning are
Rasa's own.

Predictions run Rasa's own prediction graph, called more cheaply: Rasa calls a `tf.function` with a dynamic
input signature, which checks and converts its inputs against that signature on every call. The function has
one concrete graph for all inputs, so after Rasa has built the function it is replaced by that graph (for the
DIET of that time, 7.2 → 5.4 ms a parse, median of 200 messages). The outputs are the same.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf
from rasa.core.policies.ted_policy import TED
from rasa.core.policies.ted_policy import TEDPolicy as RasaTEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
from rasa.utils.tensorflow.model_data import RasaModelData
from rasa.utils.tensorflow.models import RasaModel


class PredictionLoad:
    """Mixin for a RasaModel subclass: `load` reads the weights, then builds the model by one prediction;
    later predictions call the prediction graph directly."""

    @classmethod
    def load(
        cls,
        model_file_name: str,
        model_data_example: RasaModelData,
        predict_data_example: RasaModelData | None = None,
        finetune_mode: bool = False,
        *args: Any,
        **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode or predict_data_example is None:
            # Fine-tuning needs the optimizer's state: Rasa's own way.
            return super().load(
                model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs
            )
        model = cls(*args, **kwargs)
        config = kwargs.get("config", {})
        model.compile(
            optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)),
            run_eagerly=config.get(RUN_EAGERLY),
        )
        model.load_weights(model_file_name).expect_partial()
        model.run_inference(predict_data_example)
        return model

    def _rasa_predict(self, batch_in: tuple[np.ndarray, ...]) -> dict[str, Any]:
        """Rasa's prediction; once Rasa has built its prediction function, that function's one graph replaces it."""
        outputs = super()._rasa_predict(batch_in)
        function = self._tf_predict_step
        if function is not None and not isinstance(function, tf.types.experimental.ConcreteFunction):
            self._tf_predict_step = function.get_concrete_function()
        return outputs


class PredictionLoadedTED(PredictionLoad, TED):
    pass


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True)
class TEDPolicy(RasaTEDPolicy):
    """Rasa's TEDPolicy; a saved model loads without the training step."""

    @staticmethod
    def model_class() -> type[TED]:
        return PredictionLoadedTED
