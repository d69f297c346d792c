package io.piadm.model;

/**
 * A model spec whose network may take a class label per row (a class-conditional network). The label of a
 * row is never an input of the sampler: {@link ClassConditional} derives it from the row's sample id.
 */
public interface LabelledModelSpec extends ModelSpec {
    /** True when the network has a label input. */
    boolean hasLabelInput();

    /** The unconditional ("null") label of classifier-free guidance, when the spec sets one; else null. */
    Integer nullLabel();
}
