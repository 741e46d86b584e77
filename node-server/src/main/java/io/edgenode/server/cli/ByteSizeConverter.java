package io.edgenode.server.cli;

import io.edgenode.server.config.ByteSize;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Sizes on the command line, as models.yaml writes them ({@link ByteSize}: {@code 512MiB},
 * {@code 4GiB}, {@code 2GB}, plain bytes), plus {@code 0} for "off".
 */
final class ByteSizeConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
        if (value.strip().equals("0")) {
            return 0L;
        }
        return ByteSize.parse(value).orElseThrow(() ->
                new TypeConversionException("'" + value + "' is not a size (examples: 0, 512MiB, 4GiB, 2GB)"));
    }
}
