package io.edgenode.store.synth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ByteVocabularyTest {

    @Test
    void shouldLayOutSpecialAndByteTokensLikeLlama() {
        ByteVocabulary v = ByteVocabulary.of(384);
        List<String> tokens = v.tokens();
        int[] types = v.tokenTypes();
        assertEquals(384, v.size());
        assertEquals(List.of("<unk>", "<s>", "</s>"), tokens.subList(0, 3));
        assertEquals(ByteVocabulary.TYPE_UNKNOWN, types[0]);
        assertEquals(ByteVocabulary.TYPE_CONTROL, types[1]);
        assertEquals(ByteVocabulary.TYPE_CONTROL, types[2]);
        assertEquals("<0x00>", tokens.get(3));
        assertEquals("<0x0A>", tokens.get(3 + 10));
        assertEquals("<0xFF>", tokens.get(258));
        for (int i = 3; i < 259; i++) {
            assertEquals(ByteVocabulary.TYPE_BYTE, types[i]);
        }
        for (int i = 259; i < 384; i++) {
            assertEquals(ByteVocabulary.TYPE_NORMAL, types[i]);
        }
    }

    @Test
    void shouldFillWithDistinctPlausiblePieces() {
        ByteVocabulary v = ByteVocabulary.of(32000);
        List<String> tokens = v.tokens();
        assertEquals(32000, new HashSet<>(tokens).size());
        List<String> normal = tokens.subList(ByteVocabulary.FIRST_NORMAL_ID, tokens.size());
        assertTrue(normal.stream().anyMatch(t -> t.startsWith(ByteVocabulary.WORD_START) && t.length() > 1));
        assertTrue(normal.stream().anyMatch(t -> t.length() == 2 && t.chars().allMatch(Character::isLowerCase)));
        assertTrue(normal.stream().anyMatch(t -> t.length() == 3 && t.chars().allMatch(Character::isLowerCase)));
        assertTrue(normal.stream().allMatch(t -> t.replace(ByteVocabulary.WORD_START, "").chars().allMatch(c -> c >= 'a' && c <= 'z')));
        float[] scores = v.scores();
        for (int i = ByteVocabulary.FIRST_NORMAL_ID + 1; i < scores.length; i++) {
            assertTrue(scores[i] < scores[i - 1], "scores decrease so earlier pieces merge first");
        }
    }

    @Test
    void shouldGrowBeyondThreeLetterPieces() {
        assertEquals(40000, new HashSet<>(ByteVocabulary.of(40000).tokens()).size());
    }

    @Test
    void shouldBeDeterministicAndPrefixStable() {
        assertEquals(ByteVocabulary.of(1000).tokens(), ByteVocabulary.of(1000).tokens());
        assertEquals(ByteVocabulary.of(1000).tokens(), ByteVocabulary.of(2000).tokens().subList(0, 1000));
        assertThrows(IllegalArgumentException.class, () -> ByteVocabulary.of(258));
    }
}
