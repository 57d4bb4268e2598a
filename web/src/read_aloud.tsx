// A button that reads one question aloud with the browser's own speech synthesis: for a young
// child, or anyone for whom reading is hard. The words never leave the device. Left out where the
// browser has no speech synthesis.
export function ReadAloud({ text, describedBy }: { text: string; describedBy: string }) {
  if (typeof window === 'undefined' || !('speechSynthesis' in window)) return null;
  const speak = () => {
    const synth = window.speechSynthesis;
    synth.cancel();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = document.documentElement.lang || 'en';
    utterance.rate = 0.9;
    synth.speak(utterance);
  };
  return (
    <button type="button" class="read-aloud" aria-describedby={describedBy} onClick={speak}>
      <span aria-hidden="true">🔊 </span>Read aloud
    </button>
  );
}

// What is read for a question: the question, then the answers to choose from.
export function spokenQuestion(text: string, answers: string[]): string {
  return answers.length > 0 ? `${text} The answers are: ${answers.join('; ')}.` : text;
}
